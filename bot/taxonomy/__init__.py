"""General knowledge of what municipalities buy (fields of purchase), shared by search and authority."""

from bot.taxonomy.knowledge import KINDS, Taxonomy, TaxonomyField, load_taxonomy

__all__ = ["KINDS", "Taxonomy", "TaxonomyField", "load_taxonomy"]
