import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { catalogSchema } from '../catalog/catalog.schema.js';

export const DRIZZLE = Symbol('DRIZZLE');
const CONNECTION = Symbol('POSTGRES_CONNECTION');

export type CatalogDatabase = PostgresJsDatabase<typeof catalogSchema>;

/** The application's own database: the app owns the connection, search-sync only borrows the Drizzle handle. */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(CONNECTION) private readonly connection: postgres.Sql) {}

  /**
   * `url` undefined: postgres.js connects with its defaults (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD).
   * `debug` sees every statement before it is sent (postgres.js's own hook): logging, or a test's fault.
   */
  static forRoot(
    url: string | undefined,
    options: Pick<postgres.Options<{}>, 'max' | 'debug'> = {},
  ): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: CONNECTION,
          useFactory: () => {
            const settings = { max: options.max ?? 8, debug: options.debug, onnotice: () => {} };
            return url === undefined ? postgres(settings) : postgres(url, settings);
          },
        },
        {
          provide: DRIZZLE,
          useFactory: (sql: postgres.Sql) => drizzle(sql, { schema: catalogSchema }),
          inject: [CONNECTION],
        },
      ],
      exports: [DRIZZLE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.end({ timeout: 5 });
  }
}
