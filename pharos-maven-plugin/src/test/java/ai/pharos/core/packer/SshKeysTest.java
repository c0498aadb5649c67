package ai.pharos.core.packer;

import ai.pharos.core.process.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SshKeysTest {

    @Test
    void writesOpenSshFilesWithPrivateMode0600AndNeverLogsTheKey(@TempDir Path dir) throws Exception {
        RecordingConsole console = new RecordingConsole();
        SshKeys.KeyPairFiles keys = SshKeys.ensure(dir.resolve("ssh"), console);
        String priv = Files.readString(keys.privateKey());
        assertTrue(priv.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n"), priv);
        assertTrue(priv.endsWith("-----END OPENSSH PRIVATE KEY-----\n"));
        assertTrue(priv.lines().skip(1).limit(priv.lines().count() - 2).allMatch(l -> l.length() <= 70));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.privateKey())));
        String pub = keys.publicKeyLine();
        assertTrue(pub.matches("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/=]+ pharos-provisioning"), pub);
        String body = priv.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
        assertFalse(console.all().contains(body.substring(0, 40)), "private key material must not be logged");
        // the container: magic, cipher none, one key whose public blob equals the .pub file's
        byte[] raw = Base64.getDecoder().decode(body);
        assertEquals("openssh-key-v1\0", new String(raw, 0, 15, java.nio.charset.StandardCharsets.US_ASCII));
        byte[] blob = Base64.getDecoder().decode(pub.split(" ")[1]);
        assertTrue(indexOf(raw, blob) > 0);
    }

    @Test
    void keepsAnExistingKeyPair(@TempDir Path dir) throws Exception {
        SshKeys.KeyPairFiles first = SshKeys.ensure(dir, new RecordingConsole());
        byte[] priv = Files.readAllBytes(first.privateKey());
        RecordingConsole console = new RecordingConsole();
        SshKeys.ensure(dir, console);
        assertArrayEquals(priv, Files.readAllBytes(first.privateKey()));
        assertTrue(console.all().contains("present"), console.all());
        Files.delete(first.publicKey());
        SshKeys.ensure(dir, new RecordingConsole());
        assertFalse(java.util.Arrays.equals(priv, Files.readAllBytes(first.privateKey())), "regenerated when missing");
    }

    @Test
    void sshKeygenDerivesTheSamePublicKey(@TempDir Path dir) throws Exception {
        assumeTrue(ProcessRunner.which("ssh-keygen").isPresent(), "ssh-keygen (openssh-client) is not installed");
        SshKeys.KeyPairFiles keys = SshKeys.ensure(dir, new RecordingConsole());
        List<String> out = new ArrayList<>();
        ProcessRunner.Result r = ProcessRunner.run(List.of("ssh-keygen", "-y", "-f", keys.privateKey().toString()),
                null, Map.of(), out::add, out::add);
        assertEquals(0, r.exitCode(), String.join("\n", out));
        String derived = out.get(0).trim();
        String[] pub = keys.publicKeyLine().split(" ");
        assertTrue(derived.startsWith(pub[0] + " " + pub[1]), derived + " vs " + keys.publicKeyLine());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
