"""The lake: Parquet tables with schemas in code, and the engines that read them as Ibis tables."""
