"""The agreement index and its sync: register exports in, validated and diffed, applied atomically.

This package never imports `bot`.
"""
