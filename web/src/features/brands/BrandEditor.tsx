/** A brand's colours and font with a live preview of a card in them, and its logo: chosen,
 * previewed at once, uploaded through the presigned POST and rendered by the image worker. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError } from "../../api/errors";
import { Button } from "../../components/ui/Button";
import { TextField } from "../../components/ui/Field";
import { Section } from "../../components/ui/Page";
import { InlineError } from "../../components/ui/States";
import { useToast } from "../../components/ui/Toast";
import { uploadFile } from "../../lib/upload";
import { JobProgress } from "../event/JobProgress";
import { useSaveBrand, useStartLogoUpload, type BrandOut } from "./queries";

const COLOURS = [
  ["primary_color", "Primary (header)", "#1f2937"],
  ["accent_color", "Accent (buttons)", "#2563eb"],
  ["background_color", "Background", "#ffffff"],
  ["text_color", "Text", "#111827"],
] as const;
type ColourKey = (typeof COLOURS)[number][0];

/** WCAG contrast ratio of two #rrggbb colours. */
export function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const HEX = /^#[0-9a-fA-F]{6}$/;

export function CardSample({ colours, name, logo, font }: { colours: Record<ColourKey, string>; name: string; logo: string | null; font: string }) {
  return (
    <div className="card-sample" style={{ background: colours.background_color, color: colours.text_color, fontFamily: font || undefined }} aria-label="Preview of a card in this brand" role="img">
      <div className="card-sample-head" style={{ background: colours.primary_color }}>
        {logo ? <img src={logo} alt="" className="card-sample-logo" /> : <span className="card-sample-brand">{name || "Your brand"}</span>}
      </div>
      <div className="card-sample-body">
        <span className="card-sample-avatar" style={{ background: colours.accent_color }} aria-hidden="true">
          AL
        </span>
        <p className="card-sample-name">Ada Lovelace</p>
        <p className="card-sample-title">Head of Engines · Analytical Ltd</p>
        <span className="card-sample-button" style={{ background: colours.accent_color, color: contrast(colours.accent_color, "#ffffff") >= contrast(colours.accent_color, "#111111") ? "#ffffff" : "#111111" }}>
          Save contact
        </span>
      </div>
    </div>
  );
}

export function BrandEditor({ brand }: { brand: BrandOut }) {
  const theme = (brand.theme ?? {}) as Record<string, string | null | undefined>;
  const [name, setName] = useState(brand.display_name ?? "");
  const [font, setFont] = useState(theme.font_family ?? "");
  const [colours, setColours] = useState<Record<ColourKey, string>>(() => Object.fromEntries(COLOURS.map(([key, , fallback]) => [key, theme[key] && HEX.test(theme[key]!) ? theme[key]! : fallback])) as Record<ColourKey, string>);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [logoPreview, setLogoPreview] = useState<string | null>(null);
  const [logoProgress, setLogoProgress] = useState<number | null>(null);
  const [logoJob, setLogoJob] = useState<string | null>(null);
  const [logoError, setLogoError] = useState<unknown>(null);
  const file = useRef<HTMLInputElement>(null);
  const save = useSaveBrand();
  const startLogo = useStartLogoUpload();
  const client = useQueryClient();
  const { notify } = useToast();

  useEffect(() => () => {
    if (logoPreview) URL.revokeObjectURL(logoPreview);
  }, [logoPreview]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const bad = Object.fromEntries(COLOURS.filter(([key]) => !HEX.test(colours[key])).map(([key]) => [key, "Use a colour like #1f2937."]));
    setErrors(bad);
    if (Object.keys(bad).length) return;
    const body = { display_name: name.trim() || null, theme: { ...colours, font_family: font.trim() || null, logo_s3_key: theme.logo_s3_key ?? null } };
    save.mutate(
      { brandId: brand.brand_id, body },
      {
        onSuccess: () => notify(`Brand “${name || brand.brand_key}” saved`),
        onError: (error) => error instanceof ApiError && setErrors(error.fieldErrors()),
      },
    );
  };

  const uploadLogo = async (chosen: File | undefined) => {
    setLogoError(null);
    if (!chosen) return;
    if (!/^image\/(png|jpeg|webp)$/.test(chosen.type)) return setLogoError(new Error("Use a PNG, JPEG or WebP image."));
    if (chosen.size > 10 * 1024 * 1024) return setLogoError(new Error("The logo is over 10 MB. Use a smaller image."));
    setLogoPreview(URL.createObjectURL(chosen));
    setLogoProgress(0);
    try {
      const started = await startLogo.mutateAsync(brand.brand_id);
      await uploadFile(started.upload, chosen, setLogoProgress);
      setLogoJob(started.job.job_id);
    } catch (error) {
      setLogoError(error);
    } finally {
      setLogoProgress(null);
      if (file.current) file.current.value = "";
    }
  };

  const contrastText = contrast(colours.text_color, colours.background_color);
  return (
    <div className="brand-editor">
      <form onSubmit={submit} className="form" aria-label={`Brand ${brand.brand_key}`}>
        <TextField label="Display name" value={name} maxLength={200} error={errors.display_name} onChange={(e) => setName(e.target.value)} />
        <div className="colour-grid">
          {COLOURS.map(([key, text]) => (
            <div key={key} className={`field${errors[key] ? " field-invalid" : ""}`}>
              <label htmlFor={`${brand.brand_id}-${key}`}>{text}</label>
              <div className="colour-input">
                <input type="color" aria-label={`${text}: picker`} value={HEX.test(colours[key]) ? colours[key] : "#000000"} onChange={(e) => setColours({ ...colours, [key]: e.target.value })} />
                <input id={`${brand.brand_id}-${key}`} value={colours[key]} maxLength={7} aria-invalid={errors[key] ? true : undefined} aria-describedby={errors[key] ? `${brand.brand_id}-${key}-error` : undefined} onChange={(e) => setColours({ ...colours, [key]: e.target.value })} />
              </div>
              {errors[key] && (
                <p className="field-error" id={`${brand.brand_id}-${key}-error`}>
                  {errors[key]}
                </p>
              )}
            </div>
          ))}
        </div>
        {contrastText < 4.5 && (
          <p className="notice notice-warn">
            Text on the background has a contrast of {contrastText.toFixed(1)}:1; 4.5:1 or more keeps cards readable for everyone.
          </p>
        )}
        <TextField label="Font (optional)" value={font} maxLength={120} placeholder="e.g. Inter" error={errors.font_family} hint="A font the attendee's phone has; the card falls back to the system font." onChange={(e) => setFont(e.target.value)} />
        <InlineError error={save.error && !Object.keys(errors).length ? save.error : null} />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={save.isPending}>
            Save the brand
          </Button>
        </div>
      </form>
      <div className="brand-side">
        <CardSample colours={colours} name={name || brand.brand_key} logo={logoPreview} font={font} />
        <Section title="Logo" id={`logo-${brand.brand_id}`}>
          <p className="muted small">{theme.logo_s3_key ? "A logo is set. Upload another to replace it." : "No logo yet."} PNG, JPEG or WebP, up to 10 MB.</p>
          <input ref={file} type="file" accept="image/png,image/jpeg,image/webp" className="visually-hidden" id={`logo-file-${brand.brand_id}`} onChange={(e) => void uploadLogo(e.target.files?.[0])} />
          <Button onClick={() => file.current?.click()} busy={logoProgress !== null}>
            Upload a logo
          </Button>
          {logoProgress !== null && (
            <label className="progress-label">
              <span>Uploading</span>
              <progress max={1} value={logoProgress} />
            </label>
          )}
          <InlineError error={logoError} />
          {logoJob && <JobProgress key={logoJob} jobId={logoJob} onFinished={() => void client.invalidateQueries({ queryKey: ["brands"] })} />}
        </Section>
      </div>
    </div>
  );
}
