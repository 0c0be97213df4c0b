"""Labels: templates and pure rendering (Pillow, qrcode) to the printer's exact dots; no USB here."""
