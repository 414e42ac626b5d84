"""Spreadsheet imports (CSV or Excel): the portfolio, targets, and the finance workbook (BURC).

:func:`~ingest.spreadsheets.service.import_spreadsheet` is the way in; it returns an
:class:`~ingest.spreadsheets.report.ImportReport` with one outcome per row of the file.
"""
