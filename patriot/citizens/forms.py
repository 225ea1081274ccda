"""Forms of the citizen account pages. The services check the same rules again; forms keep what was typed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.core.errors import DomainError
from patriot.core.mail import send_email
from patriot.core.phones import normalise_phone


class DomainErrorsMixin:
    """Put a service's error next to the field it names, else at the top of the form."""

    field_aliases: dict[str, str] = {}

    def add_domain_error(self, error: DomainError) -> None:
        field = self.field_aliases.get(error.field or "", error.field)
        self.add_error(field if field in self.fields else None, error.message)  # type: ignore[attr-defined]  # mixed into a forms.Form, which has add_error and fields


class RegistrationForm(DomainErrorsMixin, forms.Form):
    field_aliases = {"password": "password1"}

    name = forms.CharField(
        label=_("Nama lengkap"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Nomor HP"),
        max_length=24,
        help_text=_("Nomor Indonesia yang dapat menerima SMS, mis. 0812 3456 7890. Kami mengirim kode verifikasi."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=150,
        help_text=_("Untuk masuk dan menerima kabar laporan. Kami mengirim tautan verifikasi."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Kata sandi"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Ulangi kata sandi"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"], mobile_only=True)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Kedua kata sandi tidak sama."))
        elif first:
            probe = User(
                username=cleaned.get("email", ""),
                email=cleaned.get("email", ""),
                first_name=cleaned.get("name", ""),
                role=RoleChoices.CITIZEN,
            )
            try:
                validate_password(first, user=probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class PhoneCodeForm(DomainErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Kode dari SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*", "maxlength": "7"}
        ),
    )


class PreferencesForm(forms.Form):
    notify_email = forms.BooleanField(label=_("Kirim kabar laporan saya lewat email"), required=False)
    notify_sms = forms.BooleanField(label=_("Kirim kabar laporan saya lewat SMS"), required=False)


def _current_password() -> forms.CharField:
    return forms.CharField(
        label=_("Kata sandi Anda saat ini"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ChangeEmailForm(DomainErrorsMixin, forms.Form):
    """A new sign-in address; the prefix keeps its fields apart from the phone form on the same page."""

    prefix = "ganti-email"

    email = forms.EmailField(
        label=_("Email baru"),
        max_length=150,
        help_text=_("Untuk masuk dan menerima kabar laporan. Kami mengirim tautan verifikasi ke alamat baru."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = _current_password()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ChangePhoneForm(DomainErrorsMixin, forms.Form):
    prefix = "ganti-hp"

    phone = forms.CharField(
        label=_("Nomor HP baru"),
        max_length=24,
        help_text=_("Nomor Indonesia yang dapat menerima SMS. Kami mengirim kode verifikasi ke nomor baru."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    password = _current_password()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DeleteAccountForm(DomainErrorsMixin, forms.Form):
    password = forms.CharField(
        label=_("Kata sandi Anda"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Untuk memastikan memang Anda yang meminta penghapusan."),
    )
    confirm = forms.BooleanField(
        label=_("Saya mengerti bahwa akun saya dihapus permanen dan laporan saya tetap disimpan tanpa identitas saya.")
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email akun Anda")

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Queue the message (core/tasks.py) instead of sending it in the request: retried if the server fails."""
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        send_email.enqueue(subject, render_to_string(email_template_name, context), [to_email])


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Kata sandi baru")
        self.fields["new_password2"].label = _("Ulangi kata sandi baru")
