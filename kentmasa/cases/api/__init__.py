"""Cases in the JSON API: the scoped list, recording a case, reading it and its timeline, and transitions.

The views only parse and check input; every change goes through kentmasa.cases.services and every read
through kentmasa.cases.access. A refused request writes nothing: input is checked in full before the
domain function runs, and the citizen record and the case are written in one transaction.

By part: ``fields`` (the checked field types every schema uses), ``inputs`` (what a request may send),
``outputs`` (what the API answers, and ``CaseWriter``, which fills it in), ``views`` (the router and its
operations). kentmasa.api mounts ``views.router``.
"""
