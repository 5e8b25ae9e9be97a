"""Reports: JSON, text, HTML, plots, interchange formats."""
