"""Engagement: what people tell us (a public form, meeting notes, surveys), scrubbed of identifiers,
themed into the eight "What People Value" themes and counted for the neighbourhood plans."""
