"""The research corpus on top of the database: exports, regions, cross-report checks, overview, Datasette."""
