"""E-mail: citizens write to the institution's mailbox (alo153@…, eskisehir155@…) and get answers by mail.

Intake is an SMTP or LMTP listener (``manage.py email_listener``, :mod:`.smtpd`) that the institution's
mail server hands the mailbox's mail to. Each mail is parsed with the standard library (:mod:`.parse`,
:mod:`.headers`, :mod:`.htmltext`), sorted out when a robot wrote it (:mod:`.filters`), threaded onto the
case it answers when a proven sender wrote it (:mod:`.threading`, :mod:`.quotes`) and recorded through
:func:`kentmasa.channels.intake.receive` in one transaction before the listener answers 250
(:mod:`.intake`); a database error answers 451 and the mail server tries again later. The Message-ID
makes a second delivery of the same mail change nothing. The mail as it came is kept as a private file of
its case. Auto-replies, bounces, complaints and mailing lists are recorded as ignored and never open a
case; a bounce of one of our own mails marks that mail failed on its case.

Replies go out through Django's mail API (:class:`.sender.EmailSender`) from the institution's mailbox,
with our own Message-ID, In-Reply-To/References pointing at the citizen's mail, the tracking number in
the subject so that the citizen's answer threads, and ``Auto-Submitted`` so that other robots do not
answer.

Settings (all optional except the mailboxes), read by :mod:`.config`::

    KENTMASA_EMAIL = {
        "MAILBOXES": {"alo153@adana.bel.tr": "adana"},  # address -> institution slug
        # Mail to these mailboxes opens an information request (Law 4982), not an ordinary case.
        "INFORMATION_MAILBOXES": ["bilgiedinme@adana.bel.tr"],  # each also listed in MAILBOXES
        "MESSAGE_ID_DOMAIN": "adana.bel.tr",  # default: the domain of the address we send from
        "AUTHSERV_ID": "mx.adana.bel.tr",  # our receiving server's Authentication-Results
        "MAX_SIZE": 50 * 1024 * 1024,  # bytes the listener accepts in one mail
    }
"""
