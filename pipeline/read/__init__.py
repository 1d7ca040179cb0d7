"""The way back: returned forms become data.

read (never modify) → raw fields (`pdf_fields`, `exports`) → mapped data (`mapping`,
`dates`) and signature checks (`signatures`), in a child process with limits
(`sandbox`); `document` puts one file's result together; `archive` ingests returns into
the cohort's folder and `status` reports on them. Nothing here is imported by the
forward pipeline.
"""
