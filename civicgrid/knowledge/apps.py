from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "civicgrid.knowledge"
    verbose_name = "知识库"
