"""Helping people label: label assist (a trained model proposes annotations for review)."""

from seglab.assist.label_assist import LabelAssistReport, label_assist

__all__ = ["LabelAssistReport", "label_assist"]
