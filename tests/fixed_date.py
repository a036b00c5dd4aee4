"""The day the whole suite treats as today, so no expected value changes with the calendar.

tests/conftest.py sets DASHBOARD_TODAY to it, which `data_access.config.current_date` (the app's
only reading of today: sidebar default date, 'not later than today' checks, import evaluation) and
the served app of the browser tests honour. Tests build their data relative to this date."""

import datetime as dt

TODAY = dt.date(2026, 12, 3)
