"""Transcripts: a person's whole training record as a page and as a signed PDF.

``queries`` gathers the record (completions, certification cycles, imported
prior training, hours per reporting period); ``record`` turns it into the
canonical JSON that is signed; ``operations`` issues (records and signs) a
transcript; ``render`` draws the PDF from the signed record alone with the
certificate engine's writer and fonts, in the layout (``layout`` draws what
the layout data of ``spec`` says); ``files`` gives the renderer what only the
running app knows; ``offline`` reads a PDF back against its signed record.
"""
