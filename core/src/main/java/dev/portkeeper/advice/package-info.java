/**
 * The tuning advisor: reads a port-budget snapshot and the sysctls in it and says what to
 * change and why, with each remedy's caveat. It never changes anything; the CLI's
 * {@code doctor} and the Spring health details both show its findings, so advice reads the
 * same everywhere.
 */
package dev.portkeeper.advice;
