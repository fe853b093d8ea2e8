package dev.searchsync.peer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * Runs one Flink SQL file on a local mini-cluster, as the SQL client would: {@code SET 'key' = 'value';}
 * lines configure the cluster (checkpointing, parallelism), other statements (CREATE TABLE ...) run in
 * order, and every INSERT goes into one statement set, so N sinks share the CDC sources in one job.
 * Prints "submitted <job id>" once the job runs, then blocks until the process is killed.
 */
public final class SqlJob {
  private static final Pattern SET = Pattern.compile("(?is)^SET\\s+'([^']+)'\\s*=\\s*'([^']*)'$");

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: SqlJob <file.sql>");
      System.exit(2);
    }
    Configuration conf = new Configuration();
    List<String> statements = new ArrayList<>();
    // Statements end with ';' at the end of a line; '--' lines are comments.
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      if (line.strip().startsWith("--")) continue;
      current.append(line).append('\n');
      if (line.strip().endsWith(";")) {
        String statement = current.toString().strip();
        statements.add(statement.substring(0, statement.length() - 1).strip());
        current.setLength(0);
      }
    }
    List<String> others = new ArrayList<>();
    for (String statement : statements) {
      Matcher set = SET.matcher(statement);
      if (set.matches()) conf.setString(set.group(1), set.group(2));
      else others.add(statement);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
    StreamTableEnvironment tables = StreamTableEnvironment.create(env);
    StatementSet inserts = tables.createStatementSet();
    for (String statement : others) {
      if (statement.regionMatches(true, 0, "INSERT", 0, 6)) inserts.addInsertSql(statement);
      else tables.executeSql(statement);
    }
    TableResult result = inserts.execute();
    String job = result.getJobClient().map(client -> client.getJobID().toString()).orElse("?");
    System.out.println("submitted " + job);
    System.out.flush();
    result.await();
  }
}
