package dev.portkeeper.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On a fake fd directory of symlinks, as procfs shows them. */
class ProcessFdsTest {

    private static final String LIMITS = ""
            + "Limit                     Soft Limit           Hard Limit           Units     \n"
            + "Max processes             96365                96365                processes \n"
            + "Max open files            1024                 524288               files     \n"
            + "Max locked memory         8388608              8388608              bytes     \n";

    @TempDir
    Path dir;

    @Test
    void countsDescriptorsAndCollectsSocketInodes() {
        ProcessFds fds = FakeProcfs.in(dir)
                .fd(0, "/dev/null")
                .fd(1, "pipe:[4711]")
                .socketFd(3, 9001)
                .socketFd(4, 8400)
                .socketFd(5, 9001) // dup() of fd 3
                .fd(6, "anon_inode:[eventpoll]")
                .fd(7, "socket:[oops]")
                .file("self/limits", LIMITS)
                .procfs().processFds().get();

        assertThat(fds.fdCount()).isEqualTo(7);
        assertThat(fds.socketCount()).isEqualTo(2);
        assertThat(fds.socketInodes()).containsExactly(8400, 9001);
        assertThat(fds.ownsSocket(9001)).isTrue();
        assertThat(fds.ownsSocket(4711)).as("a pipe is not a socket").isFalse();
        assertThat(fds.ownsSocket(0)).isFalse();
        assertThat(fds.fdSoftLimit()).hasValue(1024);
        assertThat(fds.fdHardLimit()).hasValue(524_288);
        assertThat(fds).hasToString("ProcessFds{fdCount=7, sockets=2, softLimit=1024, hardLimit=524288}");
    }

    @Test
    void unknownAndUnlimitedLimits() {
        FakeProcfs fake = FakeProcfs.in(dir).socketFd(3, 1);
        assertThat(fake.procfs().processFds().get().fdSoftLimit()).isEmpty();

        fake.file("self/limits", "Max open files            unlimited            unlimited            files\n");
        assertThat(fake.procfs().processFds().get().fdHardLimit()).hasValue(Long.MAX_VALUE);
    }

    @Test
    void anotherProcessByPid() {
        FakeProcfs fake = FakeProcfs.in(dir).file("4242/limits", LIMITS);
        fake.file("4242/fd/.keep", ""); // a regular file where a link should be: counted, not a socket

        ProcessFds fds = fake.procfs().processFds(4242).get();

        assertThat(fds.fdCount()).isEqualTo(1);
        assertThat(fds.socketCount()).isZero();
        assertThat(fake.procfs().processFds(4243).unavailableReason()).get().asString()
                .endsWith("4243/fd: no such file");
    }

    @Test
    void socketInodeOfALinkTarget() {
        assertThat(FdTableReader.socketInode("socket:[123]")).isEqualTo(123);
        assertThat(FdTableReader.socketInode("socket:[]")).isEqualTo(-1);
        assertThat(FdTableReader.socketInode("pipe:[123]")).isEqualTo(-1);
        assertThat(FdTableReader.socketInode("/tmp/socket:[1]")).isEqualTo(-1);
    }
}
