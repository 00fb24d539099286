"""Voice robot: call flows as data, a transcript-in / prompt-out engine, TTS and telephony adapters.

    flow = load_flow("overdue", "zh")
    session = VoiceSession(flow, context, today=date(2026, 3, 20), policy="CN")
    prompt = session.start()
    reply = session.hear("是我")          # -> Prompt, or End with .result (outcome, promise ...)
"""

from accord.channels.voice.engine import CallResult, End, Promise, Prompt, VoiceSession
from accord.channels.voice.flow import Flow, list_flows, load_flow

__all__ = ["CallResult", "End", "Flow", "Promise", "Prompt", "VoiceSession", "list_flows",
           "load_flow"]
