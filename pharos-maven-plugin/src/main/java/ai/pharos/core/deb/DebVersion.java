package ai.pharos.core.deb;

import java.util.Comparator;

/** Debian version comparison (deb-version(7)): epoch, upstream version, revision; {@code ~} sorts before anything. */
public final class DebVersion {
    private DebVersion() {
    }

    public static final Comparator<String> ORDER = DebVersion::compare;

    public static int compare(String a, String b) {
        String[] pa = split(a);
        String[] pb = split(b);
        int epoch = Long.compare(Long.parseLong(pa[0]), Long.parseLong(pb[0]));
        if (epoch != 0) {
            return epoch;
        }
        int upstream = compareFragment(pa[1], pb[1]);
        if (upstream != 0) {
            return upstream;
        }
        return compareFragment(pa[2], pb[2]);
    }

    /** [epoch, upstream, revision]. */
    static String[] split(String v) {
        String epoch = "0";
        int colon = v.indexOf(':');
        if (colon > 0 && v.substring(0, colon).chars().allMatch(Character::isDigit)) {
            epoch = v.substring(0, colon);
            v = v.substring(colon + 1);
        }
        String revision = "";
        int dash = v.lastIndexOf('-');
        if (dash >= 0) {
            revision = v.substring(dash + 1);
            v = v.substring(0, dash);
        }
        return new String[] {epoch, v, revision};
    }

    /** The version without its epoch, as it appears in file names. */
    public static String withoutEpoch(String v) {
        int colon = v.indexOf(':');
        return colon > 0 && v.substring(0, colon).chars().allMatch(Character::isDigit) ? v.substring(colon + 1) : v;
    }

    private static int order(char c) {
        if (Character.isLetter(c)) {
            return c;
        }
        if (c == '~') {
            return -1;
        }
        return c + 256;
    }

    private static int compareFragment(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() || j < b.length()) {
            int firstDiff = 0;
            while ((i < a.length() && !Character.isDigit(a.charAt(i)))
                    || (j < b.length() && !Character.isDigit(b.charAt(j)))) {
                int ac = i < a.length() ? order(a.charAt(i)) : 0;
                int bc = j < b.length() ? order(b.charAt(j)) : 0;
                if (i < a.length() && Character.isDigit(a.charAt(i))) {
                    ac = 0;
                }
                if (j < b.length() && Character.isDigit(b.charAt(j))) {
                    bc = 0;
                }
                if (ac != bc) {
                    return Integer.compare(ac, bc);
                }
                if (i < a.length() && !Character.isDigit(a.charAt(i))) {
                    i++;
                }
                if (j < b.length() && !Character.isDigit(b.charAt(j))) {
                    j++;
                }
            }
            while (i < a.length() && a.charAt(i) == '0') {
                i++;
            }
            while (j < b.length() && b.charAt(j) == '0') {
                j++;
            }
            while (i < a.length() && Character.isDigit(a.charAt(i))
                    && j < b.length() && Character.isDigit(b.charAt(j))) {
                if (firstDiff == 0) {
                    firstDiff = a.charAt(i) - b.charAt(j);
                }
                i++;
                j++;
            }
            if (i < a.length() && Character.isDigit(a.charAt(i))) {
                return 1;
            }
            if (j < b.length() && Character.isDigit(b.charAt(j))) {
                return -1;
            }
            if (firstDiff != 0) {
                return Integer.signum(firstDiff);
            }
        }
        return 0;
    }
}
