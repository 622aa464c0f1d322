"""Silo boundaries: each silo's reads go through a small Protocol.

``sql`` reads Careline's own tables; ``http_bills`` reads customer bills from
an operator's TM Forum (TMF678) style REST API instead.
"""
