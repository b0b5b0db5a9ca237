"""lms: training and certification for an active-threat training program.

A Flask extension: ``LMS(db).init_app(app, url_prefix="/training")``. See the
README for configuration, plugins and mounting into a host application.
"""

from .extension import LMS

__all__ = ["LMS"]
__version__ = "0.1.0"
