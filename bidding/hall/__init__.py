"""The opening hall (开标大厅, issue 13): sign-in, live progress, the record confirmed line by
line and objections answered on the spot. Tables in ``models`` (registered by
``bidding.models``), rules in ``services``, pages in ``views``."""
