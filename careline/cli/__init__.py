"""The ``careline`` command line: one module per feature registers its commands."""
