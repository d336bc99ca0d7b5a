"""{% load privacy %} … {{ text|mask }}: user text with personal data replaced by placeholders."""

from django import template

from privacy.masking import mask_text

register = template.Library()


@register.filter(name="mask")
def mask(value) -> str:
    return mask_text("" if value is None else str(value))
