"""Backups of an installation (database, signing keys, secret key) and their restore."""

#: ``app.extensions`` key: the instance folder's file the standalone app read its secret key
#: from (absent when ``LMS_SECRET_KEY`` or the host app gave it); a restore writes there.
APP_KEY_FILE = "lms_app_key_file"
