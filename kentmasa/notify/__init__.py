"""Telling staff: notifications (inbox, Web Push, SMS and e-mail to staff), preferences, deputies, approvals.

* ``kinds``: every kind of notification, its default media and whether it is critical;
* ``models``: Notification and its Delivery per medium, Preference, InstitutionDefault, StaffSettings
  (quiet hours, digest), Deputy, PushSubscription, ApprovalRule and Approval;
* ``tell``: :func:`kentmasa.notify.tell.tell`, THE one way to tell members of staff something;
* ``delivery``: the worker's side: push, SMS and e-mail with retries, never twice;
* ``rules``: who is told what when something happens on a case (listens to ``case_event``);
* ``webpush``: Web Push (RFC 8291) with VAPID, the manifest and the service worker;
* ``approvals``: the answer, rejection, redirect or transfer an approver must allow first;
* ``digest``: the hourly or daily e-mail of new cases in a unit's queue.

notify imports cases and directory, never channels: the SMS and e-mail senders live in kentmasa.lib.
"""
