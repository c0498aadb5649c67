package ai.pharos.maven;

import ai.pharos.core.PharosException;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Reads {@code project.build.outputTimestamp} the way the Apache plugins do (ISO-8601 or seconds since the epoch). */
final class Timestamps {
    private Timestamps() {
    }

    /** The instant, or the epoch + 1 s when unset (a fixed, valid time). */
    static Instant parse(String value) throws PharosException {
        Instant i = parseOrNull(value);
        return i == null ? Instant.ofEpochSecond(1) : i;
    }

    /** The instant, or null when the property is unset or disabled ("a single character"). */
    static Instant parseOrNull(String value) throws PharosException {
        if (value == null || value.isBlank() || value.strip().length() < 2) {
            return null;
        }
        String v = value.strip();
        if (v.chars().allMatch(Character::isDigit)) {
            return Instant.ofEpochSecond(Long.parseLong(v));
        }
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            throw new PharosException("project.build.outputTimestamp '" + v + "' is not an ISO-8601 date-time",
                    "project.build.outputTimestamp", "Use e.g. 2026-01-01T00:00:00Z or seconds since the epoch.");
        }
    }
}
