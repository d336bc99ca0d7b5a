"""Region data layer: load, validate and query the STO region file.

Pure Python: imports nothing from Rasa, so it can be tested and reused on its own.
"""

from sto_regions.lookup import LookupResult, RegionIndex
from sto_regions.models import NationalContact, Region, RegionData
from sto_regions.repository import RegionRepository
from sto_regions.resolve import Resolution, resolve
from sto_regions.schema import RegionDataError, load_region_file, parse_region_data

__all__ = [
    "LookupResult",
    "NationalContact",
    "Region",
    "RegionData",
    "RegionDataError",
    "RegionIndex",
    "RegionRepository",
    "Resolution",
    "load_region_file",
    "parse_region_data",
    "resolve",
]
