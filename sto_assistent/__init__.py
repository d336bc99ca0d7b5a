"""The project's shared Python: settings, service start-up, derived files.

Pure Python apart from what each module names; scripts/ and tests/ import from here instead of
from each other.
"""
