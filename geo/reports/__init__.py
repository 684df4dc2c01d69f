"""Documents and files for people and other programs: briefings, plan sheets, per-cell files.

Briefings (PDF, DOCX, HTML, Markdown), plan sheets (PDF, HTML, GPX, KML, CSV, JSON) and per-cell
files (GeoJSON, CSV, Parquet).

Reports render what the services computed; they read no store.
"""
