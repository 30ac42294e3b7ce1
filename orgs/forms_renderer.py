from django.forms.renderers import TemplatesSetting


class FirebreakFormRenderer(TemplatesSetting):
    """Render `{{ form }}` and `{{ field.as_field_group }}` with the design system's markup."""

    form_template_name = "components/_form.html"
    field_template_name = "components/_form_field.html"
