"""Forms of the auth feature."""

from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import Form


class SignInForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Sign in")


class NewPasswordForm(Form):
    """Choose a new password, typed twice (a password-reset link's page)."""

    new_password = PasswordField(
        "New password", validators=[DataRequired("Choose a password."), Length(max=256)]
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )
    submit = SubmitField("Set my new password")


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    submit = SubmitField("Change password")


class ForgotPasswordForm(Form):
    """The address of the account to send a password-reset link to.

    Like the sign-in form's, it is only looked up: an address no account has is
    answered as any other, so its syntax is not judged.
    """

    email = EmailField(
        "Email",
        validators=[DataRequired("Enter the email address you sign in with."), Length(max=254)],
    )
    submit = SubmitField("Send me a link")


class SignOutForm(Form):
    """Empty but for its CSRF token: signing out is a POST."""

    submit = SubmitField("Sign out")
