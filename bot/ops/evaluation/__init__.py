"""Evaluation scripts run by ``make evaluate`` (not loaded by any service).

- ``quality_gate.py``: NLU accuracy on the held-back data of tests/nlu/;
- ``life_domains_eval.py``: the life-domain lexicon on tests/life_domains/;
- ``safety_eval.py``: the crisis net on tests/crisis/ and the NLU test data;
- ``first_try.py``: the answer readers on the answer tables of tests/unit/dialogue/tables/.

Each runs as ``python -m bot.ops.evaluation.<name>``. Part of ops: they may import the domain
rules, never the Rasa plugins or the web app.
"""
