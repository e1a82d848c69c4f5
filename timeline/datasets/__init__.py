"""External datasets (ACLED, UCDP GED): one module each, with a shared base.

A dataset module (acled.py, ucdp.py) holds everything about its dataset: the vocabulary
and how it maps onto ours, how a row is read (``parse_row``), how one of our events is
written as a row of its format (``mapped_row``), and a ``FORMAT`` that ties these to the
shared machinery in base.py (reading CSV, resolving places, actors and outlets, writing
events in bulk, and writing the dataset's CSV back). To add a dataset, copy ucdp.py.
"""
