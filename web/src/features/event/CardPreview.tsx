/** An attendee's card: what it shows, and the real card page, vCard, QR code and wallet links
 * (public URLs; the card page forbids framing, so it opens in a new tab). */
import { ErrorState, Loading } from "../../components/ui/States";
import { useCard } from "./queries";

export function CardPreview({ cardId }: { cardId: string }) {
  const card = useCard(cardId);
  if (card.isPending) return <Loading label="Loading the card…" />;
  if (card.isError) return <ErrorState error={card.error} retry={() => void card.refetch()} />;
  const c = card.data;
  return (
    <div className="card-preview">
      <div className="card-mock">
        <img className="card-qr" src={`${c.url}/qr.svg`} alt={`QR code of ${c.display_name}'s card`} width={140} height={140} />
        <div>
          <p className="card-name">{c.display_name}</p>
          {(c.title || c.org_name) && <p className="card-sub">{[c.title, c.org_name].filter(Boolean).join(" · ")}</p>}
          {c.email && <p>{c.email}</p>}
          {c.phone && <p>{c.phone}</p>}
          <p className="muted small">vCard revision {c.vcard_rev}</p>
        </div>
      </div>
      <ul className="link-list">
        <li>
          <a href={c.url} target="_blank" rel="noreferrer">
            Open the card page
          </a>{" "}
          <span className="muted small">(counts as a view)</span>
        </li>
        <li>
          <a href={`${c.url}/vcard`}>Download the vCard</a>
        </li>
        <li>
          <a href={`${c.url}/qr.png`} target="_blank" rel="noreferrer">
            QR code (PNG)
          </a>
        </li>
        <li>
          <a href={`${c.url}/wallet/apple`}>Apple Wallet pass</a>
        </li>
        <li>
          <a href={`${c.url}/wallet/google`} target="_blank" rel="noreferrer">
            Google Wallet link
          </a>
        </li>
      </ul>
      <p className="muted small">
        Card address: <code>{c.url}</code>
      </p>
    </div>
  );
}
