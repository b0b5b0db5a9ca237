"""Certificates: PDF layouts, issuance, Ed25519-signed QR verification, revocation.

``render`` turns a certificate's snapshot into PDF bytes (pure); ``operations``
issues, revokes and corrects; ``queries`` answers who may see what and the
public verify page; ``keys`` keeps the signing keys outside the database. The
layout data lives in the top-level ``certificates/`` folder (``lms.layouts``).
"""
