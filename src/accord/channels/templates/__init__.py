"""The template data files (YAML, one per template id). Importable so other features can ask
``accord.channels.templates.list_templates()``; the code lives in ``accord.channels.catalog``."""

from accord.channels.catalog import get_template, list_templates

__all__ = ["get_template", "list_templates"]
