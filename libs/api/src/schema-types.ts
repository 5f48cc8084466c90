/** Shapes of the generated field table (gen/schema.ts) that the strict decoder walks. */

/** A scalar proto type, or the full name of a message type ("tsk.v1.Pod"). */
export type FieldType =
  | 'string'
  | 'bool'
  | 'bytes'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'double'
  | (string & { readonly __message?: never });

export type FieldSchema =
  | { readonly type: FieldType; readonly optional?: boolean; readonly list?: undefined; readonly map?: undefined }
  | { readonly list: FieldType; readonly type?: undefined; readonly map?: undefined }
  | { readonly map: FieldType; readonly type?: undefined; readonly list?: undefined };

export interface MessageSchema {
  readonly fields: Readonly<Record<string, FieldSchema>>;
  /** The message is a oneof wrapper (tsk.v1.Object): at most one field may be set. */
  readonly oneof?: boolean;
}
