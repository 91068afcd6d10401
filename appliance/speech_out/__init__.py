"""Speech out: text normalisation and synthesis (see base.py; factory.py builds the engine)."""

from appliance.speech_out.base import FRAME_SAMPLES, PHONE_RATE, SpeechSynthesizer

__all__ = ["FRAME_SAMPLES", "PHONE_RATE", "SpeechSynthesizer"]
