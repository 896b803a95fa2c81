"""Prompt templates users can edit; shipped with Kabar as package data (kabar.prompts)."""
