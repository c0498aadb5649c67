package ai.pharos.core.packer;

import ai.pharos.core.Console;
import ai.pharos.core.PharosException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.util.Arrays;
import java.util.Base64;

/**
 * The provisioning SSH key pair shared by every image build: ed25519, generated with the JDK's
 * {@code KeyPairGenerator}, written in OpenSSH format ({@code id_ed25519} mode 0600 and {@code id_ed25519.pub}).
 * Generated only when missing; the private key is never logged.
 */
public final class SshKeys {
    public static final String PRIVATE_NAME = "id_ed25519";
    public static final String PUBLIC_NAME = "id_ed25519.pub";
    private static final String COMMENT = "pharos-provisioning";

    private SshKeys() {
    }

    /** The key pair's files. */
    public record KeyPairFiles(Path privateKey, Path publicKey) {
        public String publicKeyLine() throws PharosException {
            try {
                return Files.readString(publicKey, StandardCharsets.US_ASCII).strip();
            } catch (IOException e) {
                throw new PharosException("Cannot read " + publicKey + ": " + e.getMessage(), "pharos.ssh.keyDirectory",
                        "Delete the key directory to regenerate the key pair.", e);
            }
        }
    }

    /** Make sure {@code dir} holds the key pair; generate it when either file is missing. */
    public static KeyPairFiles ensure(Path dir, Console console) throws PharosException {
        Path priv = dir.resolve(PRIVATE_NAME);
        Path pub = dir.resolve(PUBLIC_NAME);
        if (Files.isRegularFile(priv) && Files.isRegularFile(pub)) {
            console.info("Provisioning SSH key present: " + pub);
            return new KeyPairFiles(priv, pub);
        }
        try {
            Files.createDirectories(dir);
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] rawPub = rawPublic(kp);
            byte[] seed = ((EdECPrivateKey) kp.getPrivate()).getBytes()
                    .orElseThrow(() -> new GeneralSecurityException("the JDK did not expose the Ed25519 seed"));
            String publicLine = publicKeyLine(rawPub, COMMENT);
            String privatePem = privateKeyPem(seed, rawPub, COMMENT, new SecureRandom().nextInt());
            Arrays.fill(seed, (byte) 0);
            writeAtomically(priv, privatePem, "rw-------");
            writeAtomically(pub, publicLine + "\n", "rw-r--r--");
            console.info("Generated provisioning SSH key pair (ed25519): " + pub);
            return new KeyPairFiles(priv, pub);
        } catch (GeneralSecurityException | IOException e) {
            throw new PharosException("Cannot create the provisioning SSH key in " + dir + ": " + e.getMessage(),
                    "pharos.ssh.keyDirectory", "Point pharos.ssh.keyDirectory to a writable directory.", e);
        }
    }

    /** The 32-byte Ed25519 public key: the tail of its X.509 encoding. */
    static byte[] rawPublic(KeyPair kp) {
        byte[] x509 = kp.getPublic().getEncoded();
        return Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    }

    /** {@code ssh-ed25519 AAAA… comment}. */
    static String publicKeyLine(byte[] rawPub, String comment) {
        return "ssh-ed25519 " + Base64.getEncoder().encodeToString(publicBlob(rawPub)) + " " + comment;
    }

    static byte[] publicBlob(byte[] rawPub) {
        Buf b = new Buf();
        b.string("ssh-ed25519".getBytes(StandardCharsets.US_ASCII));
        b.string(rawPub);
        return b.bytes();
    }

    /** The unencrypted {@code openssh-key-v1} container (PROTOCOL.key), PEM-armoured, 70 columns. */
    static String privateKeyPem(byte[] seed, byte[] rawPub, String comment, int checkInt) {
        Buf priv = new Buf();
        priv.u32(checkInt);
        priv.u32(checkInt);
        priv.string("ssh-ed25519".getBytes(StandardCharsets.US_ASCII));
        priv.string(rawPub);
        byte[] secret = new byte[64];
        System.arraycopy(seed, 0, secret, 0, 32);
        System.arraycopy(rawPub, 0, secret, 32, 32);
        priv.string(secret);
        Arrays.fill(secret, (byte) 0);
        priv.string(comment.getBytes(StandardCharsets.UTF_8));
        for (int pad = 1; priv.size() % 8 != 0; pad++) {
            priv.raw(new byte[] {(byte) pad});
        }
        Buf all = new Buf();
        all.raw("openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII));
        all.string("none".getBytes(StandardCharsets.US_ASCII));
        all.string("none".getBytes(StandardCharsets.US_ASCII));
        all.string(new byte[0]);
        all.u32(1);
        all.string(publicBlob(rawPub));
        all.string(priv.bytes());
        String b64 = Base64.getEncoder().encodeToString(all.bytes());
        StringBuilder pem = new StringBuilder("-----BEGIN OPENSSH PRIVATE KEY-----\n");
        for (int i = 0; i < b64.length(); i += 70) {
            pem.append(b64, i, Math.min(b64.length(), i + 70)).append('\n');
        }
        return pem.append("-----END OPENSSH PRIVATE KEY-----\n").toString();
    }

    private static void writeAtomically(Path target, String content, String perms) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(perms));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static final class Buf {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void u32(int v) {
            out.write(v >>> 24);
            out.write(v >>> 16);
            out.write(v >>> 8);
            out.write(v);
        }

        void string(byte[] b) {
            u32(b.length);
            out.writeBytes(b);
        }

        void raw(byte[] b) {
            out.writeBytes(b);
        }

        int size() {
            return out.size();
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
