"""Shared test helpers that are not fixtures (pytest advises against importing from conftest).

- ``tests.support.ci``: ``skip_or_fail``, ``free_port``, ``IN_CI``;
- ``tests.support.web``: the web app harness (``LoopThread``, ``FakeRasa``, ``Stack``,
  ``free_socket``, ``dead_url``, ``STAFF_TOKEN``), used through the fixtures in
  tests/unit/webapp/conftest.py;
- ``tests.support.trackers``: a rasa_sdk ``Tracker`` factory and helpers for action tests;
- ``tests.support.analytics``: dump every analytics table (privacy checks).

Fixtures live in conftest files: tests/conftest.py (``assistant``: Rasa and the action
server for the stack tests), tests/unit/webapp/conftest.py (``stack``, ``web_url``, ``fake``).
"""
