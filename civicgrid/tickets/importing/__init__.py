"""Importing historical tickets from a spreadsheet and exporting tickets back (issue 16).

`mapping` reads and checks the TOML mapping, `reading` reads the file (CSV in UTF-8 with or without BOM or
GBK, or .xlsx) into numbered records, `rows` turns each record into a clean row or a reason in Chinese, and
`exporting` writes tickets back with the same mapping. The one writer is tickets.services.history.
"""
