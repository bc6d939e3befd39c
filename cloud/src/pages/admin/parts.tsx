/** Markup the administration page's tabs share; each tab's script (browser/) fills the bodies. */
import type { ComponentChildren } from 'preact';

/** A labelled form control: the label wraps the control and names it. */
export function Field(props: { id: string; label: string; children: ComponentChildren }) {
  return (
    <label for={props.id}>
      {props.label}
      {props.children}
    </label>
  );
}

/** A list as a table: its column headings, and a body its script fills. */
export function ListTable(props: { id: string; columns: readonly string[] }) {
  return (
    <table id={props.id}>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th scope="col">{c}</th>
          ))}
        </tr>
      </thead>
      <tbody />
    </table>
  );
}
