"""After the mobility: validation and recognition at home.

evidence (agreed data + ingested returns) → rules (`ecvet check`) and pass rules
(a proposed result per unit) → decisions (append-only records) → ledger (ECVET points
across mobilities), documents (status report, recognition record) and the ELM export.
Nothing here is imported by the forward pipeline or by read-back.
"""
