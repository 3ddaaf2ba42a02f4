"""Rasa custom actions of the OCO-wegwijzer (served by the rasa_sdk action server on 5055).

Importing the package loads and validates the municipal catalogue, so a broken
data/gemeenten/*.yml stops the action server at start-up with the file and field named.
"""

from bot.domain.catalogue import load_catalogue

load_catalogue()
