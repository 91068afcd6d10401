"""Speech in: VAD and recognisers (see base.py for the interface, factory.py to build them)."""

from appliance.speech_in.base import PHONE_RATE, SpeechRecognizer, Transcript, VadEvent, VoiceActivityDetector

__all__ = ["PHONE_RATE", "SpeechRecognizer", "Transcript", "VadEvent", "VoiceActivityDetector"]
