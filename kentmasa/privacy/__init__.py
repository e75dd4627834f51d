"""KVKK (Law 6698): notices, the access log, data-subject requests, retention and anonymisation.

This app sits at the top of the order of dependency (beside reports): it may read every other app, and nothing
imports it. Other apps reach it without importing it: views note personal-data reads on the request
(kentmasa.lib.personal_reads) and the privacy middleware writes them.
"""
