package dev.cifederation.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Linux says about a process: resident set now and at its peak ({@code VmRSS}, {@code VmHWM}
 * of /proc/PID/status) and CPU time used ({@code utime + stime} of /proc/PID/stat, in clock ticks
 * of 1/100 s, the USER_HZ every Linux ABI fixes).
 */
record ProcStats(long rssKiB, long peakRssKiB, double cpuSeconds) {

  private static final double TICKS_PER_SECOND = 100.0;

  static ProcStats of(long pid) {
    try {
      long rss = 0;
      long hwm = 0;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = kib(line);
        } else if (line.startsWith("VmHWM:")) {
          hwm = kib(line);
        }
      }
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command name may hold spaces: fields count from after its closing parenthesis
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      // fields[0] is the state (field 3 of proc(5)); utime and stime are fields 14 and 15
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return new ProcStats(rss, hwm, ticks / TICKS_PER_SECOND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/" + pid, e);
    }
  }

  double rssMiB() {
    return rssKiB / 1024.0;
  }

  double peakRssMiB() {
    return peakRssKiB / 1024.0;
  }

  private static long kib(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }
}
