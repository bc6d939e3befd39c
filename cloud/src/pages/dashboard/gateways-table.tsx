/**
 * The carts and home boxes panel (operator view): connection, backlog and the store-full alarm each
 * gateway reported. Rendered for the page and for the fragment the browser polls (GET /dashboard/gateways).
 */
import { dashboard, renderFragment, textsIn } from '@telecart/ui';
import type { GatewayRecord } from '../../store/cloud-store.js';
import { formatTime } from './format.js';
import type { RenderOptions } from './patients-table.js';

const STORE_LEVEL = { ok: 'storeOk', 'near-full': 'storeNearFull', full: 'storeFull' } as const;

export function GatewaysTable(props: { gateways: readonly GatewayRecord[]; o: RenderOptions }) {
  const { timeZone } = props.o;
  const t = textsIn(dashboard, props.o.lang);
  if (props.gateways.length === 0) return <p class="none">{t.gatewaysNone}</p>;
  const nf = new Intl.NumberFormat(t.locale);
  const when = (iso: string) => formatTime(iso, t.locale, timeZone);
  return (
    <table>
      <caption>{t.gatewaysHeading}</caption>
      <thead>
        <tr>
          <th scope="col">{t.gateway}</th>
          <th scope="col">{t.connection}</th>
          <th scope="col">{t.backlog}</th>
          <th scope="col">{t.store}</th>
        </tr>
      </thead>
      <tbody>
        {props.gateways.map((gw) => {
          const level = gw.backlog?.capacity?.level ?? 'ok';
          const alarm = level !== 'ok';
          const b = gw.backlog;
          return (
            <tr data-gateway={gw.gatewayId} data-store={level} class={alarm ? 'flagged' : undefined}>
              <th scope="row">{gw.gatewayId}</th>
              <td>
                {gw.online ? t.online : t.offline}
                {gw.statusReceivedAt && <time datetime={gw.statusReceivedAt}>{`${t.lastSeen} ${when(gw.statusReceivedAt)}`}</time>}
              </td>
              <td>
                {b ? `${nf.format(b.readings)}${b.held ? ` (+${nf.format(b.held)} ${t.held})` : ''}` : '—'}
                {b?.oldestUnsyncedAt && <time datetime={b.oldestUnsyncedAt}>{`${t.oldest} ${when(b.oldestUnsyncedAt)}`}</time>}
              </td>
              <td>
                {alarm && <span aria-hidden="true">⚠ </span>}
                {t[STORE_LEVEL[level]]}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** What #gateways-table holds; the browser re-fetches it every 10 s. */
export function renderGatewaysFragment(gateways: readonly GatewayRecord[], o: RenderOptions): string {
  return renderFragment(<GatewaysTable gateways={gateways} o={o} />);
}
