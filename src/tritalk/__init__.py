"""tritalk: one portrait photo + speech -> a talking-head video (see README.md)."""

__version__ = "0.1.0"
